import Testing

@testable import LVSMetrics

@Suite("Prometheus text writer")
struct PrometheusTextWriterTests {
    @Test("families in declaration order, HELP and TYPE first, samples together, empty families left out")
    func ordering() {
        var writer = PrometheusTextWriter()
        writer.declare("b_total", .counter, help: "B.")
        writer.declare("a", .gauge, help: "A.")
        writer.declare("empty", .gauge, help: "Nothing.")
        writer.add("a", [("x", "1")], .unsigned(1))
        writer.add("b_total", [], .unsigned(7))
        writer.add("a", [("x", "2")], .signed(-2))
        #expect(
            writer.render() == """
                # HELP b_total B.
                # TYPE b_total counter
                b_total 7
                # HELP a A.
                # TYPE a gauge
                a{x="1"} 1
                a{x="2"} -2

                """)
        #expect(writer.rejectedSamples == 0)
    }

    @Test("label values escape backslash, double quote and line feed; help escapes backslash and line feed")
    func escaping() {
        var writer = PrometheusTextWriter()
        writer.declare("m", .gauge, help: "a \\ b\nc \"d\"")
        writer.add("m", [("v", "C:\\dir \"q\"\nnext")], .unsigned(1))
        #expect(
            writer.render() == """
                # HELP m a \\\\ b\\nc "d"
                # TYPE m gauge
                m{v="C:\\\\dir \\"q\\"\\nnext"} 1

                """)
        #expect(PrometheusTextWriter.escapeLabelValue("plain é ✓") == "plain é ✓")
    }

    @Test("values: integers exact, +Inf, -Inf, NaN, fractions round-trip")
    func values() {
        #expect(MetricValue.unsigned(UInt64.max).text == "18446744073709551615")
        #expect(MetricValue.signed(-5).text == "-5")
        #expect(MetricValue.double(.infinity).text == "+Inf")
        #expect(MetricValue.double(-.infinity).text == "-Inf")
        #expect(MetricValue.double(.nan).text == "NaN")
        #expect(MetricValue.double(3).text == "3")
        #expect(MetricValue.double(-0.0).text == "0")
        #expect(MetricValue.double(0.25).text == "0.25")
        #expect(MetricValue.double(1_765_119_000.125).text == "1765119000.125")
        #expect(Double(MetricValue.double(0.1 + 0.2).text) == 0.1 + 0.2)
        #expect(MetricValue.double(1e300).text == "1e+300")
        #expect(MetricValue.flag(true).text == "1")
        #expect(MetricValue.flag(false).text == "0")
    }

    @Test("a duplicate series, an undeclared family or an invalid name is left out and counted")
    func rejections() {
        var writer = PrometheusTextWriter()
        writer.declare("m", .gauge, help: "M.")
        writer.declare("m", .counter, help: "Second declaration, ignored.")
        writer.add("m", [("a", "1"), ("b", "2")], .unsigned(1))
        writer.add("m", [("b", "2"), ("a", "1")], .unsigned(2))  // the same series, labels reordered
        writer.add("undeclared", [], .unsigned(3))
        writer.add("m", [("bad-label", "x")], .unsigned(4))
        writer.add("m", [("__reserved", "x")], .unsigned(5))
        writer.add("m", [("1digit", "x")], .unsigned(6))
        writer.declare("9bad", .gauge, help: "Invalid name.")
        writer.add("9bad", [], .unsigned(7))
        #expect(writer.rejectedSamples == 6)
        #expect(
            writer.render() == """
                # HELP m M.
                # TYPE m gauge
                m{a="1",b="2"} 1

                """)
    }

    @Test("metric and label name rules")
    func names() {
        #expect(PrometheusTextWriter.isValidMetricName("node_ipvs_backend_weight"))
        #expect(PrometheusTextWriter.isValidMetricName("job:rate:5m"))
        #expect(!PrometheusTextWriter.isValidMetricName(""))
        #expect(!PrometheusTextWriter.isValidMetricName("a b"))
        #expect(!PrometheusTextWriter.isValidLabelName("a:b"))
        #expect(PrometheusTextWriter.isValidLabelName("_x1"))
    }
}
