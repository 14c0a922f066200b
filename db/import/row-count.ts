/** How many rows an import writes between two progress reports. */
const REPORT_EVERY = 20000;

/**
 * The rows an import has written, in all its writers (rulesets during the parse, the rest after),
 * reported every REPORT_EVERY rows and whenever report() is called.
 */
export class RowCount {
  private rows = 0;

  constructor(private readonly onRows: (rows: number) => void = () => {}) {}

  add(n = 1): void {
    const before = this.rows;
    this.rows += n;
    if (Math.floor(this.rows / REPORT_EVERY) > Math.floor(before / REPORT_EVERY)) this.onRows(this.rows);
  }

  report(): void {
    this.onRows(this.rows);
  }
}
