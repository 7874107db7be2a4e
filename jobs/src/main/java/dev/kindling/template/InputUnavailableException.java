package dev.kindling.template;

/**
 * An input that could not be checked for a reason a retry may fix (a timeout, HDFS safe mode,
 * throttling, a namenode or metastore not answering): exit 1, so Airflow retries; nothing is written.
 */
public class InputUnavailableException extends RuntimeException {
    public InputUnavailableException(String message) {
        super(message);
    }
}
