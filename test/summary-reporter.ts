// A vitest reporter that ends the run with one plain line, `N passed, N failed, N skipped`, which
// CI reads as the test count (vitest's own summary has another shape; the earlier `tests: ` prefix
// was not read as a count, so every landing was recorded as having run no test). Counts every test
// case of every file; a file that failed to load counts as one failure, as do unhandled errors.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  private modules: ReadonlyArray<TestModule> = [];
  private unhandled = 0;

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    this.modules = modules;
    this.unhandled = unhandledErrors.length;
  }

  // Printed from onFinished, which vitest calls after every reporter's onTestRunEnd (where the
  // default reporter prints its summary), so this line closes the log.
  onFinished(): void {
    const modules = this.modules;
    let passed = 0;
    let failed = this.unhandled;
    let skipped = 0;
    for (const module of modules) {
      if (module.state() === 'failed' && module.errors().length > 0) failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
