import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";

/** What {@link summarize} counted. */
export interface RunSummary {
  passed: number;
  /** Failed tests + modules/suites that failed outside a test (load error, throwing hook) + unhandled errors. */
  failed: number;
  skipped: number;
  /** Of `failed`: modules that failed to load and suites/modules whose hooks threw. */
  brokenSuites: number;
  /** Of `failed`: errors vitest caught outside any test (unhandled rejections, uncaught exceptions). */
  unhandled: number;
}

/**
 * Counts a run. A module that fails to load or whose `beforeAll` throws reports its tests as skipped (or
 * has none): it counts as a failure of its own, as does every unhandled error, so the line never says
 * "0 failed" for a run that failed.
 */
export function summarize(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
  reason: TestRunEndReason | undefined,
): RunSummary {
  let passed = 0;
  let failedTests = 0;
  let skipped = 0;
  let brokenSuites = 0;
  for (const module of testModules) {
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") passed++;
      else if (state === "failed") failedTests++;
      else skipped++;
    }
    const suites = [module, ...module.children.allSuites()];
    const withErrors = suites.filter((suite) => suite.errors().length > 0).length;
    // A module that failed without an error of its own nor a failing test (e.g. it could not be collected).
    const silent =
      module.state() === "failed" && withErrors === 0 && !module.children.allTests("failed").next().value;
    brokenSuites += withErrors + (silent ? 1 : 0);
  }
  const unhandled = unhandledErrors.length;
  let failed = failedTests + brokenSuites + unhandled;
  // vitest failed for a reason none of the above shows (e.g. a coverage threshold): never print "0 failed".
  if (reason === "failed" && failed === 0) failed = 1;
  return { passed, failed, skipped, brokenSuites, unhandled };
}

/** The closing line: `vitest: N passed, N failed, N skipped`, with the non-test failures named. */
export function formatSummary(summary: RunSummary): string {
  const extra: string[] = [];
  if (summary.brokenSuites > 0)
    extra.push(
      `${summary.brokenSuites} module${summary.brokenSuites === 1 ? "" : "s"} or hook${summary.brokenSuites === 1 ? "" : "s"} failed`,
    );
  if (summary.unhandled > 0)
    extra.push(`${summary.unhandled} unhandled error${summary.unhandled === 1 ? "" : "s"}`);
  const detail = extra.length > 0 ? ` (${extra.join(", ")})` : "";
  return `vitest: ${summary.passed} passed, ${summary.failed} failed${detail}, ${summary.skipped} skipped`;
}

/** Prints one plain closing line, `N passed, N failed, N skipped`, that CI and scripts can read. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError> = [],
    reason?: TestRunEndReason,
  ): void {
    process.stdout.write(`\n${formatSummary(summarize(testModules, unhandledErrors, reason))}\n`);
  }
}
