// Prints the problems of a `redocly lint --format=json` report and a closing count, and exits
// non-zero on any error or when the linter failed without reporting one.
// Usage: node report.mjs <description.json> <report.json> <linter stderr> <linter exit status>
import { readFileSync } from 'node:fs';

const [descriptionPath, reportPath, stderrPath, statusText] = process.argv.slice(2);
const linterStatus = Number(statusText);
const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const description = JSON.parse(readFileSync(descriptionPath, 'utf8'));
const paths = Object.entries(description.paths ?? {});
const operations = paths.reduce(
  (n, [, item]) => n + Object.keys(item).filter((k) => methods.has(k)).length, 0);

let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  process.stderr.write(readFileSync(stderrPath, 'utf8'));
  console.log(`openapi lint: the linter wrote no report (exit status ${linterStatus}): ${error.message}`);
  process.exit(1);
}

for (const problem of report.problems) {
  const where = problem.location?.[0]?.pointer ?? '';
  console.log(`${problem.severity} ${problem.ruleId} ${where}: ${problem.message}`);
}
const { errors, warnings } = report.totals;
console.log(`openapi lint (@redocly/cli ${report.version}): ${descriptionPath}, ${paths.length} paths, ` +
            `${operations} operations: ${errors} errors, ${warnings} warnings`);
if (errors === 0 && linterStatus !== 0) {
  process.stderr.write(readFileSync(stderrPath, 'utf8'));
  console.log(`openapi lint: the linter exited with status ${linterStatus}`);
  process.exit(1);
}
process.exit(errors === 0 ? 0 : 1);
