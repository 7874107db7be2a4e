# Sourced by bin/kindling and bin/audience-shell: the `cluster` env reads what bin/stack up wrote for
# clients under $KINDLING_STACK_DIR (<repo>/work/stack): Spark's conf dir and Kindling's cluster profile.
use_stack_conf() {
  local stack_conf="${KINDLING_STACK_DIR:-$ROOT/work/stack}/conf"
  if [ ! -f "$stack_conf/spark/spark-defaults.conf" ]; then
    echo "$1: the cluster env needs the stack: no $stack_conf (run bin/stack up)" >&2
    exit 2
  fi
  export SPARK_CONF_DIR="${SPARK_CONF_DIR:-$stack_conf/spark}" KINDLING_CONF_DIR="${KINDLING_CONF_DIR:-$stack_conf/kindling}"
}
