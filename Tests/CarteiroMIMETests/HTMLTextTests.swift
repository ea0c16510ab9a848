import CarteiroMIME
import Testing

@Suite struct HTMLTextTests {
    @Test func stripsScriptsStylesAndComments() {
        let html =
            "<html><head><title>T</title><style>p { color: red }</style><script>alert('x<y')</script></head><body><!-- hidden --><p>Visible</p></body></html>"
        #expect(HTMLText.readableText(fromHTML: html) == "Visible")
    }

    @Test func decodesNamedAndNumericEntities() {
        #expect(
            HTMLText.readableText(fromHTML: "Caf&eacute; &amp; p&atilde;o &#8212; &#x1F384; &euro;5&nbsp;off &lt;b&gt; &bogus; &#150;")
                == "Café & pão — 🎄 €5 off <b> &bogus; –")
    }

    @Test func turnsBlocksIntoLineBreaks() {
        let html =
            "<h1>Title</h1><p>First paragraph.</p><div>Line one<br>Line two</div><ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
        #expect(HTMLText.readableText(fromHTML: html) == "Title\n\nFirst paragraph.\n\nLine one\nLine two\n\n- one\n- two\n\na b\nc d")
    }

    @Test func keepsLinkTargets() {
        let html =
            #"See <a href="https://example.com/x?a=1&amp;b=2">the offer</a>, <a href="https://example.com">https://example.com</a> or <a href="mailto:hi@example.com">hi@example.com</a>."#
        #expect(HTMLText.readableText(fromHTML: html) == "See the offer (https://example.com/x?a=1&b=2), https://example.com or hi@example.com.")
    }

    @Test func collapsesWhitespaceButKeepsPreformattedText() {
        #expect(HTMLText.readableText(fromHTML: "  a \n\n\t b  <pre>x  y\n z</pre> c ") == "a b\nx  y\n z\nc")
    }

    @Test func toleratesBrokenMarkup() {
        #expect(HTMLText.readableText(fromHTML: "a < b and <b>c</b") == "a < b and c")
        #expect(HTMLText.readableText(fromHTML: "<p>unterminated <a href='x") == "unterminated")
        #expect(HTMLText.readableText(fromHTML: "<script>never closed") == "")
    }
}
