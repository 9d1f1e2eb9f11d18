package org.brickd.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.InvalidInputException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A libvirt domain definition: parsed once (securely, see {@link XmlParse}), its disks
 * exposed as {@link DomainDisk}s, rendered back with every untouched byte as it came.
 */
public final class DomainXml {

    private final String original;
    private final Document doc;

    private DomainXml(String original, Document doc) {
        this.original = original;
        this.doc = doc;
    }

    /** Parses a {@code <domain>} document; {@code field} names the input in errors. */
    public static DomainXml parse(String field, String xml) {
        Document doc = XmlParse.parse(field, xml);
        if (!doc.getDocumentElement().getTagName().equals("domain")) {
            throw new InvalidInputException(field, doc.getDocumentElement().getTagName(),
                    "is not a libvirt <domain> document");
        }
        return new DomainXml(xml, doc);
    }

    /** A fresh, unedited copy (edits on one do not show in the other). */
    public DomainXml copy() {
        return parse("xml", original);
    }

    public String original() {
        return original;
    }

    public String name() {
        return text("name").orElse("");
    }

    public Optional<String> uuid() {
        return text("uuid");
    }

    /** Every {@code <devices><disk>}, in document order. */
    public List<DomainDisk> disks() {
        List<DomainDisk> out = new ArrayList<>();
        DomainDisk.child(doc.getDocumentElement(), "devices").ifPresent(devices -> {
            for (Node c = devices.getFirstChild(); c != null; c = c.getNextSibling()) {
                if (c instanceof Element e && e.getTagName().equals("disk")) {
                    out.add(new DomainDisk(e));
                }
            }
        });
        return out;
    }

    /** The document as text: the input byte for byte except the edited elements. */
    public String render() {
        return XmlRender.render(doc, original);
    }

    private Optional<String> text(String name) {
        return DomainDisk.child(doc.getDocumentElement(), name).map(Node::getTextContent).map(String::strip);
    }
}
