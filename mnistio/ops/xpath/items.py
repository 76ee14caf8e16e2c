"""An item as the XML tree Datumaro's ``DatasetItemEncoder`` builds for lxml, element for element.

::

    <item>
      <id>17</id><subset>train</subset>
      <image><height>28</height><width>28</width><has_data>1</has_data><path></path></image>
      <annotation>
        <id>0</id><type>label</type><group>0</group>
        <label>3</label><label_id>3</label_id>
      </annotation>
    </item>

The ``annotation`` children follow ``item.annotations`` in order.
"""

from __future__ import annotations

from ...model.items import DatasetItem
from .tree import Element

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

__all__ = ["item_element"]


def item_element(item: DatasetItem, label_names: Sequence[str]) -> Element:
    """The ``<item>`` element of an item; its ``annotation`` children follow ``item.annotations``."""
    element = Element("item")
    element.append(Element("id", item.id))
    element.append(Element("subset", item.subset))
    if item.media is not None:
        element.append(_image_element(item.media))
    for annotation in item.annotations:
        element.append(_annotation_element(annotation, label_names))
    return element


def _image_element(image):
    element = Element("image")
    height, width = image.size if image.has_data else ("unknown", "unknown")
    element.append(Element("height", str(height)))
    element.append(Element("width", str(width)))
    element.append(Element("has_data", "%d" % image.has_data))
    element.append(Element("path", image.path or ""))
    return element


def _annotation_element(annotation, label_names):
    element = Element("annotation")
    element.append(Element("id", str(annotation.id)))
    element.append(Element("type", annotation.type.name))
    for key, value in annotation.attributes.items():
        key = "_" + key if key.isdigit() else key
        element.append(Element(key.replace(" ", "-"), str(value)))
    element.append(Element("group", str(annotation.group)))
    label = annotation.label
    element.append(Element("label", label_names[label] if label < len(label_names) else ""))
    element.append(Element("label_id", str(label)))
    return element
