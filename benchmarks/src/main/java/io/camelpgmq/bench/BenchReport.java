package io.camelpgmq.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's table: one row per figure, next to the baseline it is compared with (measured in the same run on
 * the same database), their ratio, and the target when the issue set one. Printed as rows arrive and written as
 * markdown at the end.
 */
final class BenchReport {

    /** What a row is judged by, if anything. */
    enum Check {
        /** no target */
        NONE,
        /** figure / baseline must be at least {@code threshold} */
        RATIO_AT_LEAST,
        /** figure / baseline must be at most {@code threshold} */
        RATIO_AT_MOST,
        /** the figure itself must be below {@code threshold} */
        VALUE_BELOW,
        /** the figure itself must be at most {@code threshold} */
        VALUE_AT_MOST
    }

    /**
     * One figure. {@code baseline} is NaN where there is none. {@code target} is what the figure is judged by; a
     * missed target is printed as such, never hidden.
     */
    record Row(String scenario, String setting, double value, String unit, double baseline, String baselineName,
               Check check, double threshold, String note) {

        double ratio() {
            return Double.isNaN(baseline) || baseline == 0 ? Double.NaN : value / baseline;
        }

        /** "" when there is no target, else the target and whether this run met it. */
        String verdict() {
            return switch (check) {
                case NONE -> "";
                case RATIO_AT_LEAST -> String.format(">= %.2fx: %s", threshold, ratio() >= threshold ? "met" : "MISSED");
                case RATIO_AT_MOST -> String.format("<= %.2fx: %s", threshold, ratio() <= threshold ? "met" : "MISSED");
                case VALUE_BELOW -> String.format("< %s %s: %s", num(threshold), unit, value < threshold ? "met" : "MISSED");
                case VALUE_AT_MOST -> String.format("<= %s %s: %s", num(threshold), unit,
                        value <= threshold ? "met" : "MISSED");
            };
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> preamble = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /** A line above the table (what ran where). */
    void line(String text) {
        preamble.add(text);
    }

    /** A line below the table (how to read it). */
    void note(String text) {
        notes.add(text);
    }

    void add(String scenario, String setting, double value, String unit, String note) {
        add(new Row(scenario, setting, value, unit, Double.NaN, null, Check.NONE, Double.NaN, note));
    }

    void add(String scenario, String setting, double value, String unit, double baseline, String baselineName,
             String note) {
        add(new Row(scenario, setting, value, unit, baseline, baselineName, Check.NONE, Double.NaN, note));
    }

    synchronized void add(Row row) {
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
        md.append("| scenario | setting | figure | baseline (same run) | ratio | target | note |\n");
        md.append("|---|---|---:|---|---:|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(r.scenario())
                    .append(" | ").append(r.setting())
                    .append(" | ").append(num(r.value())).append(' ').append(r.unit())
                    .append(" | ").append(Double.isNaN(r.baseline()) ? ""
                            : num(r.baseline()) + " " + r.unit() + " (" + r.baselineName() + ")")
                    .append(" | ").append(Double.isNaN(r.ratio()) ? "" : String.format("%.2fx", r.ratio()))
                    .append(" | ").append(r.verdict())
                    .append(" | ").append(r.note() == null ? "" : r.note())
                    .append(" |\n");
        }
        if (!notes.isEmpty()) {
            md.append('\n');
            notes.forEach(l -> md.append(l).append('\n'));
        }
        return md.toString();
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
        System.out.println("\n" + markdown());
        System.out.println("written to " + file);
    }

    /** One console line per row, as it is measured, so a long run shows progress. */
    private static String format(Row r) {
        String base = Double.isNaN(r.baseline()) ? ""
                : String.format("  vs %s %s = %.2fx", num(r.baseline()), r.baselineName(), r.ratio());
        String target = r.check() == Check.NONE ? "" : "  [" + r.verdict() + "]";
        return String.format("%-14s %-52s %12s %-9s%s%s", r.scenario(), r.setting(), num(r.value()), r.unit(), base,
                target);
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return Math.abs(v) >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
    }
}
