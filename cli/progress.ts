/**
 * A one-line progress bar on a terminal: redrawn in place a few times a second, wiped when done. Quiet when
 * the stream is not a terminal (piped, redirected, CI), so logs never fill with carriage returns.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressCounts {
  /** Records handled so far. */
  records: number;
  /** Bytes read so far, and the total when known (a file's size). */
  bytes: number;
  totalBytes?: number;
}

const REDRAW_MS = 200;
/** Nothing is drawn for runs shorter than this: a short file needs no bar. */
const FIRST_DRAW_MS = 500;

export class Progress {
  private readonly started: number;
  private drawn = false;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly stream: ProgressStream | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  get active(): boolean {
    return this.stream?.isTTY === true;
  }

  update(counts: ProgressCounts): void {
    if (!this.active) return;
    const now = this.now();
    if (now - this.started < FIRST_DRAW_MS || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.drawn = true;
    const width = Math.max(40, Math.min(this.stream?.columns ?? 80, 120));
    this.stream?.write(`\r${progressLine(this.label, counts, (now - this.started) / 1000, width)}\u001b[K`);
  }

  /** Wipes the bar, so what follows starts on a clean line. */
  done(): void {
    if (this.drawn) this.stream?.write('\r\u001b[K');
    this.drawn = false;
  }
}

/** `replay [########------------]  42%  11.2/26.5 MB  21,337 records  4,210/s`, at most `width` wide. */
export function progressLine(label: string, counts: ProgressCounts, seconds: number, width = 80): string {
  const { records, bytes, totalBytes } = counts;
  const rate = seconds > 0 ? Math.round(records / seconds) : 0;
  const tail = `${records.toLocaleString('en-US')} records  ${rate.toLocaleString('en-US')}/s`;
  if (totalBytes === undefined || totalBytes <= 0) return `${label}  ${megabytes(bytes)} MB read  ${tail}`;
  const share = Math.min(1, bytes / totalBytes);
  const percent = `${String(Math.floor(share * 100)).padStart(3)}%`;
  const sizes = `${megabytes(bytes)}/${megabytes(totalBytes)} MB`;
  const fixed = `${label}  []  ${percent}  ${sizes}  ${tail}`.length;
  const barWidth = Math.max(10, Math.min(30, width - fixed - 1));
  const filled = Math.round(share * barWidth);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${percent}  ${sizes}  ${tail}`;
}

const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
