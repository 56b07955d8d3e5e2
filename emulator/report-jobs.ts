import { randomBytes } from 'node:crypto';

/** How an async report ends (BulkReportingJobStatus, the final ones). */
export type ReportOutcome = 'FINISHED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';

/** Async report job as the emulator keeps it. */
export interface ReportJob {
  adAccountId: string;
  /** YYYY-MM-DD, inclusive. */
  startDate: string;
  /** YYYY-MM-DD, inclusive. */
  endDate: string;
  columns: string[];
  /** Polls still answered IN_PROGRESS. */
  pollsUntilDone: number;
  outcome: ReportOutcome;
  /** Epoch milliseconds of the first poll that answered FINISHED: the file link's 5 minutes start then. */
  finishedAt?: number;
}

/** The async report jobs created so far, by token, and the outcomes tests queued for the next ones. */
export class ReportJobs {
  private readonly jobs = new Map<string, ReportJob>();
  private readonly outcomes: ReportOutcome[] = [];

  /** How the next reports end, one outcome per report created, in order (then FINISHED). */
  queueOutcomes(...outcomes: ReportOutcome[]): void {
    this.outcomes.push(...outcomes);
  }

  /** Keeps a new job that answers IN_PROGRESS twice, then the next queued outcome. @returns its token. */
  create(request: Pick<ReportJob, 'adAccountId' | 'startDate' | 'endDate' | 'columns'>): string {
    const token = randomBytes(12).toString('hex');
    this.jobs.set(token, { ...request, pollsUntilDone: 2, outcome: this.outcomes.shift() ?? 'FINISHED' });
    return token;
  }

  /** The job with this token, if any. */
  get(token: string): ReportJob | undefined {
    return this.jobs.get(token);
  }
}
