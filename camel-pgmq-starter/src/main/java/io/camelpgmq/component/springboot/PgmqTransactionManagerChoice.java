package io.camelpgmq.component.springboot;

import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.ReflectionUtils;

/**
 * Which transaction manager pgmq sends join, in an application that may have several (JDBC and JPA, JDBC and Kafka).
 * <p>
 * A send joins a transaction by running on the connection the transaction manager bound to its DataSource, so the
 * choice is the transaction manager whose DataSource is the component's, and the sends' DataSource is that manager's
 * own (a proxy over the component's pool is the key it binds the connection under). A manager's DataSource is known
 * when it has {@code getDataSource()} (DataSourceTransactionManager, JpaTransactionManager, HibernateTransactionManager;
 * looked up by name so that neither spring-orm nor Hibernate is needed). Without such a manager, the only or the
 * {@code @Primary} one is joined when its DataSource cannot be known (JTA, a custom one); otherwise nothing is joined.
 *
 * @param dataSource  the DataSource whose transactions sends join; {@code null}: sends commit on their own
 * @param description what was chosen and why, for the log
 */
record PgmqTransactionManagerChoice(DataSource dataSource, String description) {

    /**
     * @param managers  every transaction manager bean, by name
     * @param primary   the only one or the {@code @Primary} one, {@code null} when that is ambiguous
     * @param component the component's DataSource
     */
    static PgmqTransactionManagerChoice choose(Map<String, PlatformTransactionManager> managers,
                                               PlatformTransactionManager primary, DataSource component) {
        List<String> ofComponent = new ArrayList<>();
        for (Map.Entry<String, PlatformTransactionManager> manager : managers.entrySet()) {
            DataSource its = dataSourceOf(manager.getValue());
            if (its != null && sameDataSource(its, component)) {
                ofComponent.add(manager.getKey());
            }
        }
        if (!ofComponent.isEmpty()) {
            String chosen = ofComponent.stream().filter(name -> managers.get(name) == primary).findFirst()
                    .orElse(ofComponent.get(0));
            DataSource key = dataSourceOf(managers.get(chosen));
            List<String> others = ofComponent.stream()
                    .filter(name -> !name.equals(chosen) && dataSourceOf(managers.get(name)) != key).toList();
            if (!others.isEmpty() && managers.get(chosen) != primary) {
                return new PgmqTransactionManagerChoice(null, "transaction managers " + ofComponent + " all manage"
                                                              + " the component's DataSource, through different"
                                                              + " DataSource objects, and none is @Primary; mark the"
                                                              + " one to join @Primary");
            }
            return new PgmqTransactionManagerChoice(key, "transaction manager '" + chosen + "', the one of the"
                                                         + " component's DataSource");
        }
        if (primary == null) {
            return new PgmqTransactionManagerChoice(null, "none of the transaction managers " + managers.keySet()
                                                          + " is known to manage the component's DataSource, and"
                                                          + " none is @Primary; mark the one to join @Primary, or set"
                                                          + " camel.component.pgmq.producer-data-source");
        }
        String name = managers.entrySet().stream().filter(e -> e.getValue() == primary).map(Map.Entry::getKey)
                .findFirst().orElse(primary.getClass().getName());
        if (dataSourceOf(primary) != null) {
            return new PgmqTransactionManagerChoice(null, "transaction manager '" + name + "' manages another"
                                                          + " DataSource than the component's");
        }
        return new PgmqTransactionManagerChoice(component, "transaction manager '" + name + "' ("
                                                           + (managers.size() == 1 ? "the only one" : "@Primary")
                                                           + "; its DataSource cannot be told, so sends join whatever"
                                                           + " transaction binds the component's DataSource)");
    }

    /** The manager's DataSource, when it has a {@code getDataSource()}; else {@code null}. */
    static DataSource dataSourceOf(PlatformTransactionManager manager) {
        Method getter = ReflectionUtils.findMethod(manager.getClass(), "getDataSource");
        if (getter == null || !DataSource.class.isAssignableFrom(getter.getReturnType())) {
            return null;
        }
        try {
            return (DataSource) getter.invoke(manager);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether both are one pool, possibly behind proxies (Spring's DelegatingDataSource, or JDBC unwrap). */
    static boolean sameDataSource(DataSource a, DataSource b) {
        return wraps(a, b) || wraps(b, a);
    }

    private static boolean wraps(DataSource outer, DataSource inner) {
        for (DataSource ds = outer; ds != null;
             ds = ds instanceof DelegatingDataSource delegating ? delegating.getTargetDataSource() : null) {
            if (ds == inner) {
                return true;
            }
            try {
                if (ds.isWrapperFor(inner.getClass()) && ds.unwrap(inner.getClass()) == inner) {
                    return true;
                }
            } catch (SQLException | RuntimeException e) {
                // a DataSource that cannot unwrap is not a wrapper of this one
            }
        }
        return false;
    }
}
