"""Prints the class path of a thin Spark Connect client (bin/audience-shell --remote, a notebook kernel started by
notebooks/with-kernel-env with KINDLING_CONNECT_URL): Connect's JVM client, which carries Spark's API, and what it
needs beside it, from pyspark's jars; not Spark itself, so such a JVM cannot start a driver. Jars one by one, joined
with ':' (JShell does not expand class-path wildcards)."""
import glob
import os

import pyspark

# Connect's client first; the rest are the libraries it loads and does not shade
CLIENT_JARS = ["connect-repl/spark-connect-client-jvm_*.jar", "scala-library-*.jar", "scala-reflect-*.jar", "spark-tags_*.jar",
               "spark-sketch_*.jar", "json4s-*.jar", "jackson-*.jar", "spark-unsafe_*.jar", "icu4j-*.jar", "kryo-shaded-*.jar",
               "paranamer-*.jar", "antlr4-runtime-*.jar", "spark-common-utils*.jar", "slf4j-api-*.jar", "log4j-*.jar"]


def classpath() -> str:
    jars = os.path.join(os.path.dirname(pyspark.__file__), "jars")
    return ":".join(sorted(path for name in CLIENT_JARS for path in glob.glob(os.path.join(jars, name))))


if __name__ == "__main__":
    print(classpath())
