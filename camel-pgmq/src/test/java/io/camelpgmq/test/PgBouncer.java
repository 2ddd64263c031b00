package io.camelpgmq.test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A real PgBouncer in {@code pool_mode=transaction} in front of the test database, on a free loopback port, for as
 * long as a test needs it: what users put between camel-pgmq and PostgreSQL (PgBouncer; Supavisor and RDS Proxy
 * multiplex the same way). Its server pool is smaller than the component's pool, so that every client connection
 * runs its transactions on whichever server session is free.
 * <p>
 * PgBouncer refuses to run as root: as root the fixture runs it as {@value #OS_USER} (created with {@code useradd}
 * when missing). Without a {@code pgbouncer} binary the test is skipped, except under CI ({@code CI=true}), where it
 * fails: CI installs it ({@code .ci/run}) and must not pass by skipping.
 */
public final class PgBouncer implements AutoCloseable {

    private static final String OS_USER = "camelpgmq";
    private static final String[] BINARIES = { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer" };

    private final Process process;
    private final Path dir;
    private final int port;
    private final String jdbcUrl;

    private PgBouncer(Process process, Path dir, int port, String jdbcUrl) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.jdbcUrl = jdbcUrl;
    }

    /** Whether a {@code pgbouncer} binary is installed where Debian puts it (or in /usr/local/bin). */
    public static boolean installed() {
        return binary() != null;
    }

    /** PgBouncer in transaction pooling with {@code serverConnections} server sessions, before the test database. */
    public static PgBouncer start(int serverConnections) {
        return start(serverConnections, new String[0]);
    }

    /**
     * {@link #start(int)} with more lines for pgbouncer.ini's {@code [pgbouncer]} section, e.g.
     * {@code server_reset_query_always = 1}.
     */
    public static PgBouncer start(int serverConnections, String... settings) {
        String binary = binary();
        if (binary == null) {
            String message = "pgbouncer is not installed (apt-get install -y pgbouncer): the connection-pooler tests"
                             + " need a real PgBouncer";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(message + "; CI=true, so this fails instead of skipping.");
            }
            Assumptions.abort(message + "; skipped.");
        }
        PgmqTestDatabase db = PgmqTestDatabase.get();
        URI target = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        String database = target.getPath().replaceFirst("^/", "");
        String user = db.username() != null ? db.username() : queryParameter(target, "user");
        String password = db.password() != null ? db.password() : queryParameter(target, "password");
        try {
            int port = freePort();
            Path dir = Files.createTempDirectory("camel-pgmq-pgbouncer");
            String host = "localhost".equals(target.getHost()) ? "127.0.0.1" : target.getHost();
            int targetPort = target.getPort() > 0 ? target.getPort() : 5432;
            Files.writeString(dir.resolve("users.txt"), "\"" + user + "\" \"\"\n", StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
                    "[databases]",
                    "* = host=" + host + " port=" + targetPort + (password != null ? " password=" + password : ""),
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + port,
                    "unix_socket_dir =",
                    "auth_type = trust",
                    "auth_file = " + dir.resolve("users.txt"),
                    "pool_mode = transaction",
                    "default_pool_size = " + serverConnections,
                    "max_client_conn = 300",
                    "ignore_startup_parameters = extra_float_digits",
                    String.join("\n", settings),
                    ""), StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                ensureOsUser();
                // the temp dir is root's: let the pgbouncer user read its files
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                command.addAll(List.of("runuser", "-u", OS_USER, "--"));
            }
            command.addAll(List.of(binary, dir.resolve("pgbouncer.ini").toString()));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.redirectErrorStream(true);
            pb.redirectOutput(dir.resolve("pgbouncer.log").toFile());
            Process process = pb.start();
            awaitListening(process, port, dir);
            // where the test database's URL carries its credentials (an external server in README's form), this one
            // carries them too, so that tests connecting with the database's username (null there) still log in
            StringBuilder url = new StringBuilder("jdbc:postgresql://127.0.0.1:" + port + "/" + database);
            if (db.username() == null && user != null) {
                url.append("?user=").append(URLEncoder.encode(user, StandardCharsets.UTF_8));
                if (db.password() == null && password != null) {
                    url.append("&password=").append(URLEncoder.encode(password, StandardCharsets.UTF_8));
                }
            }
            return new PgBouncer(process, dir, port, url.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start pgbouncer", e);
        }
    }

    /**
     * The JDBC URL through PgBouncer: with the user and password of the test database's URL when that URL carries
     * them, else none (the test database's username and password then apply).
     */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The JDBC URL through PgBouncer with one parameter more, e.g. {@code prepareThreshold=0}. */
    public String jdbcUrl(String parameter) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + parameter;
    }

    public int port() {
        return port;
    }

    /** PgBouncer's own log (connections, errors), for a failing test's message. */
    public String log() {
        try {
            return Files.readString(dir.resolve("pgbouncer.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        File[] files = dir.toFile().listFiles();
        if (files != null) {
            for (File f : files) {
                f.delete();
            }
        }
        dir.toFile().delete();
    }

    private static String binary() {
        for (String b : BINARIES) {
            if (new File(b).canExecute()) {
                return b;
            }
        }
        return null;
    }

    private static void ensureOsUser() throws IOException {
        if (run("id", "-u", OS_USER) == 0) {
            return;
        }
        // concurrent test JVMs may both try: the second useradd fails, and the user exists then
        run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER);
        if (run("id", "-u", OS_USER) != 0) {
            throw new IllegalStateException("pgbouncer refuses to run as root, and the user " + OS_USER
                                            + " could not be created with useradd");
        }
    }

    private static int run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void awaitListening(Process process, int port, Path dir) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException("pgbouncer exited with " + process.exitValue() + ": " + read(dir));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("pgbouncer did not listen on port " + port + " within 10 s: " + read(dir));
    }

    private static String read(Path dir) {
        try {
            return Files.readString(dir.resolve("pgbouncer.log"));
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static String queryParameter(URI uri, String name) {
        String query = uri.getQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
