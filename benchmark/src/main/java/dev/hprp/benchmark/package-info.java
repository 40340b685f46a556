/**
 * JMH micro-benchmarks of HPRP's hot paths (not run by {@code mvn verify}, which only compiles and packages them).
 *
 * <p>Build and run from the project root:
 *
 * <pre>
 * mvn -q -B package -pl benchmark -am -DskipTests
 * java -jar benchmark/target/benchmarks.jar -f 1 -wi 3 -i 5
 * </pre>
 *
 * <p>Pass a regular expression to run a subset ({@code SelectorBenchmark}), {@code -p backends=100} to pin a
 * parameter, {@code -t 2} for two threads sharing each selector, {@code -prof gc} for allocation per operation, and
 * {@code -h} for every JMH option. Figures are nanoseconds per operation; on a shared or two-core machine expect a
 * wide error and compare runs made back to back.
 */
package dev.hprp.benchmark;
