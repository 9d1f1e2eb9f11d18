package org.brickd.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.brickd.errors.InvalidInputException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.ext.DefaultHandler2;

/**
 * Domain XML → DOM, securely (no DTD, no external entities, no XInclude, bounded size),
 * remembering for every element where it stood in the input and the order of its
 * attributes. The JDK's DOM keeps attributes sorted by name and forgets quoting, so a
 * plain DOM round trip rewrites every line; with the spans {@link XmlRender} copies every
 * element nobody changed byte for byte from the input.
 */
final class XmlParse {

    /** Largest domain XML accepted (a nova domain is a few KiB; the RPC frame is 1 MiB). */
    static final int MAX_CHARS = 1 << 20;

    /** User-data keys on DOM nodes. */
    static final String SPAN = "brickd.span";
    static final String ATTR_ORDER = "brickd.attrs";
    static final String DIRTY = "brickd.dirty";

    private XmlParse() {}

    /** Where an element was: [start of '<', end of start tag, end of element). */
    record Span(int start, int startTagEnd, int end) {}

    static Document parse(String field, String xml) {
        if (xml == null || xml.isBlank()) {
            throw new InvalidInputException(field, xml, "is empty; a libvirt domain XML document is required");
        }
        if (xml.length() > MAX_CHARS) {
            throw new InvalidInputException(field, xml.substring(0, 80), "is " + xml.length()
                    + " characters; at most " + MAX_CHARS + " are accepted");
        }
        try {
            SAXParserFactory f = SAXParserFactory.newInstance();
            f.setNamespaceAware(false);
            f.setValidating(false);
            f.setXIncludeAware(false);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            SAXParser p = f.newSAXParser();
            p.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            p.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            Builder b = new Builder(xml);
            p.setProperty("http://xml.org/sax/properties/lexical-handler", b);
            p.parse(new InputSource(new StringReader(xml)), b);
            if (!b.spansVerified) {
                dropSpans(b.doc.getDocumentElement());
            }
            return b.doc;
        } catch (SAXException e) {
            throw new InvalidInputException(field, xml.substring(0, Math.min(80, xml.length())),
                    "is not well-formed XML: " + e.getMessage());
        } catch (ParserConfigurationException | IOException e) {
            throw new IllegalStateException("the JDK's XML parser refused brickd's secure settings: " + e, e);
        }
    }

    /** Positions the parser reports that do not check out are not used: the element is re-rendered instead. */
    private static void dropSpans(Element e) {
        e.setUserData(SPAN, null, null);
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element ce) {
                dropSpans(ce);
            }
        }
    }

    /** Builds the DOM from SAX events; the Locator says where each tag ended. */
    private static final class Builder extends DefaultHandler2 {
        private final String text;
        private final int[] lineStarts;
        private final Document doc;
        private final Deque<Node> open = new ArrayDeque<>();
        private final Deque<int[]> openSpan = new ArrayDeque<>();
        private Locator locator;
        private boolean spansVerified = true;

        Builder(String text) throws ParserConfigurationException {
            this.text = text;
            List<Integer> starts = new ArrayList<>();
            starts.add(0);
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    starts.add(i + 1);
                }
            }
            this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
            // spans assume '\n' line ends: the parser folds "\r\n", which would shift every offset
            this.spansVerified = text.indexOf('\r') < 0;
            this.doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            open.push(doc);
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        private int offset() {
            int line = locator.getLineNumber();
            int col = locator.getColumnNumber();
            if (line < 1 || line > lineStarts.length || col < 1) {
                spansVerified = false;
                return -1;
            }
            return lineStarts[line - 1] + col - 1;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes atts) {
            Element e = doc.createElement(qName);
            List<String> order = new ArrayList<>(atts.getLength());
            for (int i = 0; i < atts.getLength(); i++) {
                e.setAttribute(atts.getQName(i), atts.getValue(i));
                order.add(atts.getQName(i));
            }
            e.setUserData(ATTR_ORDER, order, null);
            open.peek().appendChild(e);
            open.push(e);
            int tagEnd = offset();
            int start = tagEnd > 0 ? text.lastIndexOf('<', tagEnd - 1) : -1;
            if (tagEnd < 1 || tagEnd > text.length() || text.charAt(tagEnd - 1) != '>' || start < 0
                    || !text.startsWith(qName, start + 1)) {
                spansVerified = false;
            }
            openSpan.push(new int[] {start, tagEnd});
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            Element e = (Element) open.pop();
            int[] s = openSpan.pop();
            int end = offset();
            if (end < 1 || end > text.length() || text.charAt(end - 1) != '>' || end < s[1]) {
                spansVerified = false;
            } else if (end != s[1] && !text.startsWith("</" + qName, text.lastIndexOf('<', end - 1))) {
                spansVerified = false;
            }
            e.setUserData(SPAN, new Span(s[0], s[1], end), null);
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            Node parent = open.peek();
            if (parent instanceof Document) {
                return; // whitespace outside the root is kept from the input text
            }
            Node last = parent.getLastChild();
            if (last != null && last.getNodeType() == Node.TEXT_NODE) {
                last.setNodeValue(last.getNodeValue() + new String(ch, start, length));
            } else {
                parent.appendChild(doc.createTextNode(new String(ch, start, length)));
            }
        }

        @Override
        public void comment(char[] ch, int start, int length) {
            Node parent = open.peek();
            if (!(parent instanceof Document)) {
                parent.appendChild(doc.createComment(new String(ch, start, length)));
            }
        }

        @Override
        public void processingInstruction(String target, String data) {
            Node parent = open.peek();
            if (!(parent instanceof Document)) {
                parent.appendChild(doc.createProcessingInstruction(target, data));
            }
        }
    }
}
