package org.brickd.libvirt;

import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * DOM → text, changing only what was changed. An element nobody touched (no DIRTY mark on
 * it or below it) is copied from the input text byte for byte; an element on the way to a
 * change keeps its own start and end tags from the input; a changed or new element is
 * written the way libvirt writes XML (single-quoted attributes in their original order,
 * libvirt's escapes, {@code <x/>} when empty).
 */
final class XmlRender {

    private XmlRender() {}

    static String render(Document doc, String original) {
        Element root = doc.getDocumentElement();
        XmlParse.Span span = span(root);
        StringBuilder out = new StringBuilder(original.length() + 256);
        if (span == null) {
            element(root, original, out);
            return out.append('\n').toString();
        }
        out.append(original, 0, span.start());
        element(root, original, out);
        return out.append(original, span.end(), original.length()).toString();
    }

    /** Marks an element changed: it is rewritten, its ancestors keep their tags. */
    static void markDirty(Element e) {
        e.setUserData(XmlParse.DIRTY, Boolean.TRUE, null);
        for (Node p = e.getParentNode(); p instanceof Element pe; p = pe.getParentNode()) {
            if (pe.getUserData(XmlParse.DIRTY) == null) {
                pe.setUserData(XmlParse.DIRTY, Boolean.FALSE, null); // FALSE: a descendant changed
            }
        }
    }

    private static XmlParse.Span span(Element e) {
        return (XmlParse.Span) e.getUserData(XmlParse.SPAN);
    }

    private static void element(Element e, String original, StringBuilder out) {
        XmlParse.Span span = span(e);
        Object dirty = e.getUserData(XmlParse.DIRTY);
        if (span != null && dirty == null) {
            out.append(original, span.start(), span.end());
            return;
        }
        if (span != null && dirty == Boolean.FALSE && span.end() > span.startTagEnd()) {
            out.append(original, span.start(), span.startTagEnd());
            children(e, original, out);
            out.append(original, original.lastIndexOf('<', span.end() - 1), span.end());
            return;
        }
        out.append('<').append(e.getTagName());
        for (String name : attributeOrder(e)) {
            out.append(' ').append(name).append("='");
            escape(e.getAttribute(name), out);
            out.append('\'');
        }
        if (!e.hasChildNodes()) {
            out.append("/>");
            return;
        }
        out.append('>');
        children(e, original, out);
        out.append("</").append(e.getTagName()).append('>');
    }

    private static void children(Element e, String original, StringBuilder out) {
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            switch (c.getNodeType()) {
                case Node.ELEMENT_NODE -> element((Element) c, original, out);
                case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> escape(c.getNodeValue(), out);
                case Node.COMMENT_NODE -> out.append("<!--").append(c.getNodeValue()).append("-->");
                case Node.PROCESSING_INSTRUCTION_NODE -> out.append("<?").append(c.getNodeName()).append(' ')
                        .append(c.getNodeValue()).append("?>");
                default -> throw new IllegalStateException("unexpected DOM node type " + c.getNodeType());
            }
        }
    }

    /** The input's attribute order, then attributes added since, by name. */
    static List<String> attributeOrder(Element e) {
        @SuppressWarnings("unchecked")
        List<String> order = (List<String>) e.getUserData(XmlParse.ATTR_ORDER);
        List<String> names = new ArrayList<>();
        if (order != null) {
            for (String n : order) {
                if (e.hasAttribute(n)) {
                    names.add(n);
                }
            }
        }
        NamedNodeMap attrs = e.getAttributes();
        for (int i = 0; i < attrs.getLength(); i++) {
            String n = attrs.item(i).getNodeName();
            if (!names.contains(n)) {
                names.add(n);
            }
        }
        return names;
    }

    /** libvirt's virBufferEscapeString set. */
    private static void escape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '\'' -> out.append("&apos;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
    }
}
