package io.camelpgmq.examples.springboot;

import java.io.IOException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Without {@code PGMQ_JDBC_URL}, the example runs on an embedded PostgreSQL that starts from Maven artifacts and stops
 * with the application. With it, Spring Boot's own DataSource (spring.datasource.url) is used and this backs off.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isBlank()")
public class EmbeddedDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres() throws IOException {
        // stopped by this context, after Camel and the pool, not by a JVM hook of its own that would race them
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setRegisterShutdownHook(false).start();
        LOG.info("Database: an embedded PostgreSQL on localhost:{} (set PGMQ_JDBC_URL to use yours)", pg.getPort());
        return pg;
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedPostgres pg) {
        HikariDataSource ds = new HikariDataSource();
        ds.setPoolName("orders-db");
        ds.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
        ds.setMaximumPoolSize(10);
        return ds;
    }
}
