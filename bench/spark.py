"""Runs `seg sql`'s SQL on one engine over a layout folder (bench/spark.sh): prints the
seconds the query took and writes the sorted `segment,user_id` rows to OUT.

  spark.py spark  LAYOUT SQL OUT   Spark SQL, local mode (2 cores), events read from the
                                   partitioned dataset LAYOUT/events/ (event=NAME/...)
  spark.py duckdb LAYOUT SQL OUT   DuckDB, 2 threads, over LAYOUT/*.parquet
  spark.py partition LAYOUT        writes LAYOUT/events/, events.parquet partitioned by event
"""
import sys
import time


def write(rows, out):
    with open(out, "w") as f:
        for segment, user in sorted(rows):
            f.write(f"{segment},{user}\n")


def main():
    what, layout = sys.argv[1], sys.argv[2]
    if what == "partition":
        import duckdb

        c = duckdb.connect()
        c.execute(
            f"COPY (SELECT * FROM read_parquet('{layout}/events.parquet')) TO '{layout}/events' "
            "(FORMAT parquet, PARTITION_BY (event), OVERWRITE_OR_IGNORE)"
        )
        return
    sql = open(sys.argv[3]).read().rstrip().rstrip(";")
    out = sys.argv[4]
    if what == "duckdb":
        import duckdb

        c = duckdb.connect()
        c.execute("SET threads = 2")
        for t in ["events", "profiles", "accounts"]:
            c.execute(f"CREATE TABLE {t} AS SELECT * FROM read_parquet('{layout}/{t}.parquet')")
        start = time.time()
        rows = c.execute(sql).fetchall()
    else:
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master("local[2]")
            .appName("seg-sql-bench")
            .config("spark.driver.memory", "12g")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        spark.read.parquet(f"{layout}/events").createOrReplaceTempView("events")
        for t in ["profiles", "accounts"]:
            spark.read.parquet(f"{layout}/{t}.parquet").createOrReplaceTempView(t)
        start = time.time()
        rows = spark.sql(sql).collect()
    seconds = time.time() - start
    write([(r[0], r[1]) for r in rows], out)
    print(f"{seconds:.2f}")


main()
