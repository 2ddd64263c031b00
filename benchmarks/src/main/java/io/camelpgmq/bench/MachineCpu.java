package io.camelpgmq.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * How many of the machine's cores were busy over a timed section, from the kernel's counters ({@code /proc/stat}):
 * the consumer, PostgreSQL and everything else on the machine together. It tells which rows measure the machine rather
 * than the code: a drain whose single reader already keeps most cores busy cannot go twice as fast with four. Linux
 * only; elsewhere (or if the file cannot be read) unknown.
 */
final class MachineCpu {

    private static final Path PROC_STAT = Path.of("/proc/stat");
    /** The kernel's clock tick for CPU time (USER_HZ), 100 a second on Linux. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    /**
     * The machine's CPU time so far, in the kernel's ticks (busy, and busy plus idle, summed over its cores), and this
     * JVM's own CPU time and the clock, in nanoseconds.
     */
    record Sample(long busy, long total, int cores, long jvmCpuNanos, long wallNanos, long jvmServiceTicks,
                  long serverBackendTicks, long serverBackgroundTicks) {
    }

    private MachineCpu() {
    }

    /** The counters now, or {@code null} where there are none. */
    static Sample now() {
        try {
            List<String> lines = Files.readAllLines(PROC_STAT);
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
            String[] f = lines.get(0).trim().split("\\s+");
            if (!"cpu".equals(f[0]) || f.length < 9) {
                return null;
            }
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                        + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            int cores = (int) lines.stream().filter(l -> l.matches("cpu\\d+\\s.*")).count();
            long[] server = serverTicks();
            return new Sample(busy, busy + idle, cores, jvmCpuNanos(), System.nanoTime(), jvmServiceTicks(), server[0],
                    server[1]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** How many cores were busy on average between the two samples; NaN when either is unknown or no time passed. */
    static double busyCores(Sample from, Sample to) {
        if (from == null || to == null || to.total() <= from.total()) {
            return Double.NaN;
        }
        return (double) (to.busy() - from.busy()) / (to.total() - from.total()) * to.cores();
    }

    /**
     * How many cores this JVM kept busy on average between the two samples (its share of {@link #busyCores}); NaN
     * where unknown.
     */
    static double jvmCores(Sample from, Sample to) {
        if (from == null || to == null || from.jvmCpuNanos() < 0 || to.wallNanos() <= from.wallNanos()) {
            return Double.NaN;
        }
        return (double) (to.jvmCpuNanos() - from.jvmCpuNanos()) / (to.wallNanos() - from.wallNanos());
    }

    /**
     * How many cores the JVM's own service threads (the JIT compilers, the garbage collector and the VM thread) kept
     * busy between the two samples: the part of {@link #jvmCores} that is not the application's work; NaN where
     * unknown. From the threads alive at each sample, so a service thread that ended meanwhile is not counted.
     */
    static double jvmServiceCores(Sample from, Sample to) {
        if (from == null || to == null || from.jvmServiceTicks() < 0 || to.jvmServiceTicks() < 0
                || to.wallNanos() <= from.wallNanos()) {
            return Double.NaN;
        }
        return (double) (to.jvmServiceTicks() - from.jvmServiceTicks()) * NANOS_PER_TICK
               / (to.wallNanos() - from.wallNanos());
    }

    /**
     * How many cores PostgreSQL's processes on this machine kept busy between the two samples: {client backends,
     * the rest (autovacuum, WAL writer, checkpointer..., and processes that ended meanwhile, as the postmaster counts
     * them)}; NaNs where unknown (a server elsewhere shows as zeros).
     */
    static double[] serverCores(Sample from, Sample to) {
        if (from == null || to == null || to.wallNanos() <= from.wallNanos()) {
            return new double[] { Double.NaN, Double.NaN };
        }
        double wall = to.wallNanos() - from.wallNanos();
        return new double[] { (to.serverBackendTicks() - from.serverBackendTicks()) * NANOS_PER_TICK / wall,
                (to.serverBackgroundTicks() - from.serverBackgroundTicks()) * NANOS_PER_TICK / wall };
    }

    /** {client backends' ticks, the other PostgreSQL processes' and ended children's ticks} over {@code /proc}. */
    private static long[] serverTicks() {
        long backends = 0;
        long background = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String stat;
                String cmdline;
                try {
                    stat = Files.readString(proc.resolve("stat"));
                    if (!stat.contains("(postgres)")) {
                        continue;
                    }
                    cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                } catch (IOException ended) {
                    continue;
                }
                String[] f = fieldsAfterName(stat);
                long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                if (!cmdline.startsWith("postgres: ")) {
                    // the postmaster: its own time, and its ended children's (cutime, cstime)
                    background += own + Long.parseLong(f[13]) + Long.parseLong(f[14]);
                } else if (isBackground(cmdline)) {
                    background += own;
                } else {
                    backends += own;
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[] { 0, 0 };
        }
        return new long[] { backends, background };
    }

    private static boolean isBackground(String title) {
        for (String role : List.of("autovacuum", "walwriter", "checkpointer", "background writer", "logical replication",
                "stats collector", "archiver", "walsender", "walreceiver", "startup")) {
            if (title.startsWith("postgres: " + role)) {
                return true;
            }
        }
        return false;
    }

    /** User and system ticks of this JVM's service threads, from {@code /proc/self/task/<tid>/stat}, or -1. */
    private static long jvmServiceTicks() {
        return threadTicks(Path.of("/proc/self/task"), name -> isCompiler(name) || name.startsWith("GC ")
                                                               || name.startsWith("G1 ") || name.equals("VM Thread"));
    }

    /**
     * User and system ticks of the JIT compiler threads alive in the JVM process {@code pid} (another JVM than this
     * one: the fresh consumer's), or -1 where unknown.
     */
    static long compilerTicks(long pid) {
        return threadTicks(Path.of("/proc", Long.toString(pid), "task"), MachineCpu::isCompiler);
    }

    /** User and system ticks of the process {@code pid} so far, its ended threads' too, or -1 where unknown. */
    static long processTicks(long pid) {
        try {
            String[] f = fieldsAfterName(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Seconds of CPU in {@code ticks} of the kernel's clock. */
    static double seconds(long ticks) {
        return ticks * NANOS_PER_TICK / 1e9;
    }

    private static boolean isCompiler(String threadName) {
        return threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler");
    }

    /** User and system ticks of the threads in {@code taskDir} whose names {@code named} accepts, or -1. */
    private static long threadTicks(Path taskDir, Predicate<String> named) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskDir)) {
            long ticks = 0;
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue;
                }
                if (named.test(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) {
                    String[] f = fieldsAfterName(stat);
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
            return ticks;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The fields of a {@code stat} line after its name: pid (comm) state ppid ..., where the name may hold spaces and
     * parentheses, so the fields follow the last ')'. utime and stime (fields 14 and 15) are then at 11 and 12.
     */
    private static String[] fieldsAfterName(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static long jvmCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The machine's number of cores as the counters know it, or 0 where unknown. */
    static int cores() {
        Sample s = now();
        return s == null ? 0 : s.cores();
    }
}
