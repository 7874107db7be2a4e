package dev.kindling.recommend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which arm of an experiment a user is in: a pure function of the salt, the share and the user id, so a
 * batch job, a service and an analysis all compute the same arm without storing it. The bucket is the
 * first 8 bytes of SHA-256("salt:userId") read as an unsigned fraction of 2^64; a user is in the model
 * arm when the bucket is below the share. A new salt reshuffles everybody; the same salt and a larger
 * share only move users from baseline to model.
 */
public final class Experiment {

    public static final String MODEL = "model";
    public static final String BASELINE = "baseline";

    private Experiment() {
    }

    /** {@link #MODEL} or {@link #BASELINE}; share is the fraction of users on the model, 0 to 1. */
    public static String arm(String salt, double share, long userId) {
        return bucket(salt, userId) < share ? MODEL : BASELINE;
    }

    /** A number in [0, 1) that depends only on the salt and the user id. */
    static double bucket(String salt, long userId) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        byte[] digest = sha.digest((salt + ":" + userId).getBytes(StandardCharsets.UTF_8));
        long high = ByteBuffer.wrap(digest, 0, 8).getLong();
        // the top 53 bits as a double in [0, 1), exact
        return (high >>> 11) * 0x1.0p-53;
    }
}
