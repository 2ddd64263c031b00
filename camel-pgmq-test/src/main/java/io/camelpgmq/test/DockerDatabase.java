package io.camelpgmq.test;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** The pgmq image under Testcontainers, where a Docker engine runs. */
final class DockerDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(DockerDatabase.class);

    private DockerDatabase() {
    }

    /** A started container's database, or {@code null} when no Docker engine answers. */
    static PgmqTestDatabase startIfAvailable(String image) {
        // ask Testcontainers only where an engine may be: it logs an ERROR when it finds none
        if (System.getenv("DOCKER_HOST") == null && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))) {
            LOG.info("No Docker engine: tests use an embedded PostgreSQL");
            return null;
        }
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        if (!docker) {
            LOG.info("No Docker engine: tests use an embedded PostgreSQL");
            return null;
        }
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(
                DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"));
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "pgmq-test-container-stop"));
        return PgmqTestDatabase.forServer(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                "Testcontainers " + image);
    }
}
