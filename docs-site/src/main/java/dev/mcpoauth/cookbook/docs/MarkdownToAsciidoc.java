package dev.mcpoauth.cookbook.docs;

import java.util.List;
import java.util.function.UnaryOperator;
import org.commonmark.ext.gfm.tables.TableBlock;
import org.commonmark.ext.gfm.tables.TableBody;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TableHead;
import org.commonmark.ext.gfm.tables.TableRow;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.BlockQuote;
import org.commonmark.node.BulletList;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.ListBlock;
import org.commonmark.node.ListItem;
import org.commonmark.node.Node;
import org.commonmark.node.OrderedList;
import org.commonmark.node.Paragraph;
import org.commonmark.node.ThematicBreak;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * Turns a recipe's README (GitHub Markdown: headings, paragraphs, lists, tables, code fences and
 * one mermaid sequence diagram) into AsciiDoc, so the README stays the single source of a
 * recipe's page. Block structure becomes AsciiDoc; inline content is rendered to HTML by
 * CommonMark and passed through unchanged, so no Markdown text is ever re-interpreted as AsciiDoc
 * markup. Links are rewritten by the caller's resolver; the mermaid flow becomes a PlantUML
 * diagram rendered at build time.
 */
final class MarkdownToAsciidoc {

    private final Parser parser = Parser.builder().extensions(List.of(TablesExtension.create())).build();
    private final HtmlRenderer inlineHtml = HtmlRenderer.builder().extensions(List.of(TablesExtension.create())).build();
    private final UnaryOperator<String> linkResolver;
    private final String diagramName;

    /**
     * @param linkResolver maps a link destination to the site's href, or null to drop the link
     *        and keep its text
     * @param diagramName file name (without extension) for the flow diagram's SVG
     */
    MarkdownToAsciidoc(UnaryOperator<String> linkResolver, String diagramName) {
        this.linkResolver = linkResolver;
        this.diagramName = diagramName;
    }

    String convert(String markdown) {
        Node document = parser.parse(markdown);
        rewriteLinks(document);
        StringBuilder out = new StringBuilder();
        for (Node block = document.getFirstChild(); block != null; block = block.getNext()) {
            block(block, out, 1);
        }
        return out.toString();
    }

    private void rewriteLinks(Node node) {
        for (Node child = node.getFirstChild(); child != null; ) {
            Node next = child.getNext();
            if (child instanceof Link link) {
                String href = linkResolver.apply(link.getDestination());
                if (href == null) { // keep the words, drop the link
                    for (Node text = link.getFirstChild(); text != null; ) {
                        Node following = text.getNext();
                        link.insertBefore(text);
                        text = following;
                    }
                    link.unlink();
                } else {
                    link.setDestination(href);
                }
            } else {
                rewriteLinks(child);
            }
            child = next;
        }
    }

    private void block(Node node, StringBuilder out, int listDepth) {
        if (node instanceof Heading heading) {
            out.append("=".repeat(heading.getLevel())).append(' ').append(inline(heading)).append("\n\n");
        } else if (node instanceof Paragraph) {
            out.append(inline(node)).append("\n\n");
        } else if (node instanceof FencedCodeBlock code) {
            code(code.getInfo(), code.getLiteral(), out);
        } else if (node instanceof IndentedCodeBlock code) {
            code("", code.getLiteral(), out);
        } else if (node instanceof ListBlock list) {
            list(list, out, listDepth);
            out.append('\n');
        } else if (node instanceof TableBlock table) {
            table(table, out);
        } else if (node instanceof BlockQuote quote) {
            out.append("____\n");
            for (Node child = quote.getFirstChild(); child != null; child = child.getNext()) {
                block(child, out, listDepth);
            }
            out.append("____\n\n");
        } else if (node instanceof HtmlBlock html) {
            String literal = html.getLiteral();
            out.append("++++\n").append(literal).append(literal.endsWith("\n") ? "" : "\n").append("++++\n\n");
        } else if (node instanceof ThematicBreak) {
            out.append("'''\n\n");
        }
    }

    private void code(String info, String literal, StringBuilder out) {
        if ("mermaid".equals(info.trim())) {
            out.append("[plantuml,").append(diagramName).append(",svg]\n----\n")
                    .append(MermaidToPlantUml.convert(literal)).append("----\n\n");
            return;
        }
        String language = info.isBlank() ? "text" : info.trim().split("\\s+")[0];
        out.append("[source,").append(language).append("]\n----\n").append(literal);
        if (!literal.endsWith("\n")) {
            out.append('\n');
        }
        out.append("----\n\n");
    }

    private void list(ListBlock list, StringBuilder out, int depth) {
        String marker = (list instanceof OrderedList ? "." : "*").repeat(depth);
        for (Node item = list.getFirstChild(); item != null; item = item.getNext()) {
            boolean first = true;
            for (Node child = ((ListItem) item).getFirstChild(); child != null; child = child.getNext()) {
                if (child instanceof ListBlock nested) {
                    list(nested, out, depth + 1);
                } else if (first) {
                    out.append(marker).append(' ').append(inline(child)).append('\n');
                    first = false;
                } else {
                    out.append("+\n").append(inline(child)).append('\n');
                }
            }
        }
    }

    private void table(TableBlock table, StringBuilder out) {
        TableRow firstRow = (TableRow) table.getFirstChild().getFirstChild();
        int columns = 0;
        for (Node cell = firstRow.getFirstChild(); cell != null; cell = cell.getNext()) {
            columns++;
        }
        out.append("[%header,cols=\"").append(columns).append("*\"]\n|===\n");
        for (Node section = table.getFirstChild(); section != null; section = section.getNext()) {
            if (!(section instanceof TableHead) && !(section instanceof TableBody)) {
                continue;
            }
            for (Node row = section.getFirstChild(); row != null; row = row.getNext()) {
                for (Node cell = row.getFirstChild(); cell != null; cell = cell.getNext()) {
                    out.append("| ").append(inline((TableCell) cell)).append('\n');
                }
                out.append('\n');
            }
        }
        out.append("|===\n\n");
    }

    /** The node's inline content as HTML, passed through AsciiDoc untouched. */
    private String inline(Node container) {
        StringBuilder html = new StringBuilder();
        for (Node child = container.getFirstChild(); child != null; child = child.getNext()) {
            html.append(inlineHtml.render(child));
        }
        String passed = html.toString().strip()
                .replace("\n", " ")
                .replace("|", "&#124;")   // a raw | would end a table cell
                .replace("+++", "&#43;&#43;&#43;");
        return passed.isEmpty() ? "" : "+++" + passed + "+++";
    }
}
