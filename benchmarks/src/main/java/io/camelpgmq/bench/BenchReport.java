package io.camelpgmq.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The benchmark's table: one row per measurement, with its baseline and the ratio, printed and written as markdown. */
final class BenchReport {

    /** One measured figure; {@code baseline} is NaN where there is none. */
    record Row(String scenario, String setting, double value, String unit, double baseline, String baselineName,
               String note) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> preamble = new ArrayList<>();

    void line(String text) {
        preamble.add(text);
    }

    synchronized void add(String scenario, String setting, double value, String unit, double baseline,
                          String baselineName, String note) {
        Row row = new Row(scenario, setting, value, unit, baseline, baselineName, note);
        rows.add(row);
        System.out.println(format(row));
    }

    List<Row> rows() {
        return rows;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        preamble.forEach(l -> md.append(l).append('\n'));
        md.append('\n');
        md.append("| scenario | setting | figure | baseline (same run) | ratio | note |\n");
        md.append("|---|---|---:|---:|---:|---|\n");
        for (Row r : rows) {
            md.append("| ").append(r.scenario()).append(" | ").append(r.setting()).append(" | ")
                    .append(num(r.value())).append(' ').append(r.unit()).append(" | ")
                    .append(Double.isNaN(r.baseline()) ? "" : num(r.baseline()) + " " + r.unit() + " (" + r.baselineName() + ")")
                    .append(" | ").append(Double.isNaN(r.baseline()) || r.baseline() == 0 ? "" : String.format("%.2fx", r.value() / r.baseline()))
                    .append(" | ").append(r.note() == null ? "" : r.note()).append(" |\n");
        }
        return md.toString();
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
        System.out.println("\nwritten to " + file);
    }

    private static String format(Row r) {
        String base = Double.isNaN(r.baseline()) ? ""
                : String.format("  vs %s %s %s = %.2fx", r.baselineName(), num(r.baseline()), r.unit(),
                        r.baseline() == 0 ? Double.NaN : r.value() / r.baseline());
        return String.format("%-28s %-34s %12s %s%s%s", r.scenario(), r.setting(), num(r.value()), r.unit(), base,
                r.note() == null ? "" : "  (" + r.note() + ")");
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return Math.abs(v) >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
    }
}
