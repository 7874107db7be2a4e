package dev.kindling.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import dev.kindling.dsl.publish.PublishConflictException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model pointer as a compare-and-swap, on the local file system (no Spark). */
class ModelStoreTest {

    @TempDir
    Path dir;

    private ModelStore store() {
        return new ModelStore(dir.toString(), "m", new Configuration());
    }

    private static ModelStore.Current model(String run) {
        return new ModelStore.Current("/models/m/2024-01-01/" + run, "2024-01-01", run, 0.5, 0.2, 5, 10, 100);
    }

    @Test
    void ofTwoRunsThatReadTheSamePointerOnlyTheFirstMakesItsModelCurrent() throws IOException {
        assertThat(store().pointed()).isEmpty();
        // both read "no pointer" (0), then each tries to make its model current
        store().makeCurrent(model("first"), 0);
        assertThatThrownBy(() -> store().makeCurrent(model("second"), 0))
                .isInstanceOf(PublishConflictException.class)
                .hasMessage("another run published model m (pointer 000000000001.properties) while this run was writing it:"
                        + " run first made version /models/m/2024-01-01/first current; nothing was published (a retry writes on top of it)");
        ModelStore.Pointed current = store().pointed().orElseThrow();
        assertThat(current.sequence()).isEqualTo(1);
        assertThat(current.current().runId()).isEqualTo("first");

        store().makeCurrent(model("retry"), current.sequence()); // the retry compares with the winner, then commits on top
        assertThat(store().current().orElseThrow().runId()).isEqualTo("retry");
        try (Stream<Path> files = Files.list(dir.resolve("m").resolve("pointer"))) {
            assertThat(files.map(f -> f.getFileName().toString())).as("no temporary file stays")
                    .containsExactlyInAnyOrder("000000000001.properties", "000000000002.properties");
        }
    }

    @Test
    void theLastTenPointersAreKeptAndAnEarlierSingleFilePointerIsReadAsPointerZero() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        try (var out = Files.newBufferedWriter(dir.resolve("m").resolve("current.properties"))) {
            model("legacy").toProperties().store(out, null);
        }
        assertThat(store().pointed().orElseThrow()).extracting(ModelStore.Pointed::sequence, p -> p.current().runId()).containsExactly(0L, "legacy");
        for (int n = 0; n < 12; n++) {
            store().makeCurrent(model("run-" + n), n);
        }
        assertThat(store().current().orElseThrow().runId()).isEqualTo("run-11");
        try (Stream<Path> files = Files.list(dir.resolve("m").resolve("pointer"))) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted()).hasSize(ModelStore.KEPT_POINTERS)
                    .startsWith("000000000003.properties").endsWith("000000000012.properties");
        }
    }
}
