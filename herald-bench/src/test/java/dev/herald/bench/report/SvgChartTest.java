package dev.herald.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgChartTest {
    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void rendersWellFormedSvgWithOneLinePerSeries() throws Exception {
        double[] x = {1, 2, 3, 4};
        String svg =
                new SvgChart("title <&>", "sub \"q\"", x)
                        .latency(
                                "latency",
                                new SvgChart.Series(
                                        "p50", "#111", false, new double[] {0.4, 0.5, 0.45, 0.6}),
                                new SvgChart.Series(
                                        "p99", "#222", false, new double[] {1.2, 1.5, 40, 2}))
                        .left(
                                "deliveries/s",
                                new SvgChart.Series(
                                        "deliveries/s",
                                        "#333",
                                        false,
                                        new double[] {39_000, 40_000, 40_100, 39_900}))
                        .right(
                                "publishes/s",
                                new SvgChart.Series(
                                        "publishes/s", "#444", true, new double[] {20, 20, 20, 20}))
                        .marker(1.5, "measure")
                        .render();
        Document doc = parse(svg);
        assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(doc.getElementsByTagNameNS("*", "polyline").getLength()).isEqualTo(4);
        assertThat(svg).contains("title &lt;&amp;&gt;").contains("measure").contains("50,000");
        assertThat(svg).contains("stroke-dasharray=\"5,3\"");
    }

    @Test
    void gapsSplitTheLineAndLonePointsBecomeDots() throws Exception {
        double[] x = {1, 2, 3, 4, 5};
        String svg =
                new SvgChart("t", "s", x)
                        .latency(
                                "latency",
                                new SvgChart.Series(
                                        "p99",
                                        "#111",
                                        false,
                                        new double[] {1, 2, Double.NaN, 3, Double.NaN}))
                        .left(
                                "rate",
                                new SvgChart.Series(
                                        "rate", "#222", false, new double[] {1, 1, 1, 1, 1}))
                        .render();
        Document doc = parse(svg);
        // latency: [1,2] then a lone point [3]; rate: one line
        assertThat(doc.getElementsByTagNameNS("*", "polyline").getLength()).isEqualTo(2);
        assertThat(doc.getElementsByTagNameNS("*", "circle").getLength()).isEqualTo(1);
    }

    @Test
    void emptyTimelineStillRenders() throws Exception {
        String svg =
                new SvgChart("t", "s", new double[0])
                        .latency(
                                "latency", new SvgChart.Series("p99", "#111", false, new double[0]))
                        .left("rate", new SvgChart.Series("rate", "#222", false, new double[0]))
                        .render();
        assertThat(parse(svg).getElementsByTagNameNS("*", "polyline").getLength()).isZero();
    }

    @Test
    void niceNumbers() {
        assertThat(SvgChart.niceCeil(37_000)).isEqualTo(40_000);
        assertThat(SvgChart.niceCeil(0)).isEqualTo(1);
        assertThat(SvgChart.niceStep(7)).isEqualTo(10);
        assertThat(SvgChart.fmtMs(0.1)).isEqualTo("100 µs");
        assertThat(SvgChart.fmtMs(10)).isEqualTo("10 ms");
        assertThat(SvgChart.fmtMs(1000)).isEqualTo("1 s");
    }
}
