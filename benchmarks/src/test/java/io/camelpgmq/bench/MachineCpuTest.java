package io.camelpgmq.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The busy cores the harness reports come from the kernel's counters: a thread that spins for a while shows as at least
 * most of a busy core of the JVM and of the machine.
 */
@EnabledOnOs(OS.LINUX)
class MachineCpuTest {

    @Test
    void aSpinningThreadShowsAsMostOfABusyCoreAtLeast() {
        MachineCpu.Sample start = MachineCpu.now();
        assertNotNull(start, "/proc/stat could not be read");
        long until = System.nanoTime() + 400_000_000L;
        long spins = 0;
        while (System.nanoTime() < until) {
            spins++;
        }
        MachineCpu.Sample end = MachineCpu.now();
        double jvm = MachineCpu.jvmCores(start, end);
        double machine = MachineCpu.busyCores(start, end);
        // one thread on CPU the whole time; the JVM's other threads (the JIT, the GC, what a test before this one left
        // running in the same JVM) may add to it, up to the machine's cores, and a busy machine may take a little away
        assertTrue(jvm > 0.6 && jvm <= end.cores() + 0.2,
                "the JVM kept " + jvm + " cores busy while one thread spun (" + spins + ")");
        assertTrue(machine >= 0.6 && machine <= end.cores(), "the machine kept " + machine + " cores busy");
        double service = MachineCpu.jvmServiceCores(start, end);
        assertTrue(service >= 0 && service < jvm, "the JIT and GC kept " + service + " of the JVM's " + jvm + " busy");
    }

    @Test
    void aProcessesTicksCountItsSpinningThreadAndItsCompilersAreAmongThem() {
        long pid = ProcessHandle.current().pid();
        long before = MachineCpu.processTicks(pid);
        long compilersBefore = MachineCpu.compilerTicks(pid);
        assertTrue(before >= 0 && compilersBefore >= 0, "/proc/" + pid + " could not be read");
        long until = System.nanoTime() + 400_000_000L;
        long spins = 0;
        while (System.nanoTime() < until) {
            spins++;
        }
        double spent = MachineCpu.seconds(MachineCpu.processTicks(pid) - before);
        assertTrue(spent >= 0.25, "the process spent " + spent + " s of CPU while one thread spun 0.4 s (" + spins + ")");
        long compilers = MachineCpu.compilerTicks(pid);
        assertTrue(compilers <= MachineCpu.processTicks(pid), "the compilers' " + compilers + " ticks are the process's");
        // a process that is not there (pids are below 2^22 on Linux)
        assertEquals(-1, MachineCpu.processTicks(Integer.MAX_VALUE));
        assertEquals(-1, MachineCpu.compilerTicks(Integer.MAX_VALUE));
    }

    @Test
    void unknownSamplesGiveNoFigure() {
        MachineCpu.Sample now = MachineCpu.now();
        assertTrue(Double.isNaN(MachineCpu.busyCores(null, now)));
        assertTrue(Double.isNaN(MachineCpu.busyCores(now, now)), "no time passed");
        assertEquals(2, MachineCpu.serverCores(null, now).length);
        assertTrue(Double.isNaN(MachineCpu.serverCores(null, now)[0]));
    }
}
