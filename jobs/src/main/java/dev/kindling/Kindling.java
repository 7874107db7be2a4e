package dev.kindling;

import java.util.List;
import java.util.function.Supplier;

import dev.kindling.audience.AudienceJob;
import dev.kindling.demodata.DemoDataJob;
import dev.kindling.export.ExportJob;
import dev.kindling.maintain.MaintainJob;
import dev.kindling.recommend.ScoreJob;
import dev.kindling.recommend.TrainJob;
import dev.kindling.snapshot.SnapshotJob;
import dev.kindling.template.Job;
import dev.kindling.template.Launcher;
import dev.kindling.template.RunOutcome;
import dev.kindling.template.SparkSessionProvider;
import dev.kindling.verify.VerifyJob;

/** The main class of the jobs jar. Adding a job is one line in {@link #JOBS}. */
public final class Kindling {

    /** Every job Kindling ships, in the order 'kindling --help' lists them. */
    public static final List<Supplier<Job>> JOBS = List.of(SnapshotJob::new, DemoDataJob::new, AudienceJob::new, ExportJob::new, VerifyJob::new,
            TrainJob::new, ScoreJob::new, MaintainJob::new);

    private Kindling() {
    }

    public static void main(String[] args) {
        int code = new Launcher(JOBS, SparkSessionProvider.standard(), System.getenv(), System.out, System.err).execute(args);
        RunOutcome.record(System.getProperty(RunOutcome.FILE_SETTING), code, System.err);
        System.exit(code);
    }
}
