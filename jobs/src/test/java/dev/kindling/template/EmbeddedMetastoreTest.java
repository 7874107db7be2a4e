package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The look into the embedded default's Derby metastore, on a database with the two tables of Hive's schema it reads. */
class EmbeddedMetastoreTest {

    @TempDir
    Path dir;

    private Path database() {
        return dir.resolve("metastore_db");
    }

    private Optional<EmbeddedMetastore> metastore(String url) {
        Configuration conf = new Configuration(false);
        conf.set(EmbeddedMetastore.CONNECTION_URL, url);
        return EmbeddedMetastore.of(conf);
    }

    /** Names reach the metastore as jobs give them: checked and lower-cased (a catalog-qualified or quoted name is refused before). */
    private static TableName table(String name) {
        return TableName.of("--source", name);
    }

    private EmbeddedMetastore metastore() {
        return metastore("jdbc:derby:;databaseName=" + database() + ";create=true").orElseThrow();
    }

    private void createMetastore(String... statements) throws SQLException {
        try (Connection db = DriverManager.getConnection("jdbc:derby:;databaseName=" + database() + ";create=true");
             Statement sql = db.createStatement()) {
            for (String statement : statements) {
                sql.execute(statement);
            }
        }
        try {
            DriverManager.getConnection("jdbc:derby:;databaseName=" + database() + ";shutdown=true");
        } catch (SQLException shutDown) {
            assertThat(shutDown.getSQLState()).isEqualTo("08006");
        }
    }

    private void createHiveTables() throws SQLException {
        createMetastore("CREATE TABLE DBS (DB_ID BIGINT, NAME VARCHAR(128))",
                "CREATE TABLE TBLS (TBL_ID BIGINT, DB_ID BIGINT, TBL_NAME VARCHAR(256))",
                "INSERT INTO DBS VALUES (1, 'default'), (2, 'shop')",
                "INSERT INTO TBLS VALUES (10, 2, 'orders'), (11, 1, 'users')");
    }

    @Test
    void findsTablesByHivesLowerCaseNamesInTheirDatabase() throws SQLException {
        createHiveTables();
        EmbeddedMetastore metastore = metastore();
        assertThat(metastore.tableExists(table("shop.orders"))).contains(true);
        assertThat(metastore.tableExists(table("SHOP.Orders"))).contains(true);
        assertThat(metastore.tableExists(table("users"))).contains(true);  // the default database
        assertThat(metastore.tableExists(table("shop.users"))).contains(false);
        assertThat(metastore.tableExists(table("shop.no_such_table"))).contains(false);
        assertThat(metastore.tableExists(table("no_such_db.orders"))).contains(false);
    }

    @Test
    void aMetastoreThatDoesNotExistYetHoldsNoTableAndIsNotCreated() {
        assertThat(metastore().tableExists(table("shop.orders"))).contains(false);
        assertThat(database()).doesNotExist();
    }

    @Test
    void theDatabaseIsShutDownAfterTheLookSoThatSparksOwnEngineCanOpenIt() throws SQLException {
        createHiveTables();
        Path lock = database().resolve("db.lck");
        try (Connection open = DriverManager.getConnection("jdbc:derby:;databaseName=" + database())) {
            assertThat(lock).exists();  // the sign that this engine holds the database
        }
        metastore().tableExists(table("shop.orders"));
        assertThat(Files.exists(lock)).as("db.lck after the look").isFalse();
    }

    @Test
    void whatItCannotTellIsLeftToSpark() throws SQLException {
        createMetastore("CREATE TABLE SOMETHING_ELSE (ID INT)");
        assertThat(metastore().tableExists(table("shop.orders"))).isEmpty();
    }

    @Test
    void onlyADerbyDatabaseOnDiskIsLookedInto() {
        assertThat(metastore("jdbc:postgresql://127.0.0.1/metastore")).isEmpty();
        assertThat(metastore("jdbc:derby:memory:metastore;create=true")).isEmpty();
        assertThat(EmbeddedMetastore.of(new Configuration(false))).isEmpty();
    }
}
