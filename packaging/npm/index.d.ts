export interface StartRampartOptions {
  /** Serve HTTPS (`--tls-auto`); `ca` is then the local CA's PEM file. */
  tls?: boolean;
  /** Database URL (`postgres://…`) instead of the embedded SQLite. */
  database?: string;
  /** Seed file (YAML/JSON account) loaded at start. */
  seed?: string;
  /** Region id (default `cn-hangzhou`). */
  region?: string;
  /** More `rampart serve` arguments. */
  args?: string[];
  /** The executable (default: RAMPART_BINARY, else the packaged linux-x64 binary). */
  binary?: string;
  /** How long to wait for GET /healthz (default 30000). */
  startTimeoutMs?: number;
  /** Keep the data dir and log after stop(). */
  keepData?: boolean;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
}

export interface RampartClock {
  Now: string;
  NowUnix: number;
  OffsetSeconds: number;
  [key: string]: unknown;
}

/** What one advance() ran on the way. */
export interface RampartRan {
  Rotations: number;
  GracePeriodsEnded: number;
  FailedRotations: number;
  DeletedSecrets: number;
  DeletedKeys: number;
  RotatedKeys: number;
  [key: string]: unknown;
}

export interface Rampart {
  /** `127.0.0.1:<port>`, as the SDKs take it. */
  endpoint: string;
  /** `http://127.0.0.1:<port>` (or https). */
  url: string;
  port: number;
  protocol: 'http' | 'https';
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  region: string;
  /** Path of the local CA's PEM with `tls: true`, else null. */
  ca: string | null;
  dataDir: string;
  logPath: string;
  /** Milliseconds from spawn to the first 200 of GET /healthz. */
  startupMs: number;
  clock(): Promise<RampartClock>;
  /** Move the server's clock forward (`'7d'`, `'6h'`, or seconds); due rotations run before it resolves. */
  advance(duration: string | number): Promise<RampartClock & { Ran: RampartRan }>;
  /** A fresh account with the same root AccessKey; clock offset back to 0. */
  reset(): Promise<RampartClock & { Seeded: boolean; Milliseconds: number }>;
  /** Save the whole state (clock included) under `name` (kept in the server's memory). */
  snapshot(name: string): Promise<{ Name: string; OffsetSeconds: number; Milliseconds: number }>;
  /** Go back to snapshot(name); rejects with SnapshotNotFound if there is none. */
  restore(name: string): Promise<RampartClock & { Name: string; Milliseconds: number }>;
  /** The AccessKeys --seed created (data-dir/seed-credentials.json), or {}. */
  seedCredentials(): { Users?: Record<string, { AccessKeyId: string; AccessKeySecret: string }> };
  logTail(lines?: number): string;
  /** SIGTERM the server and remove its data dir. */
  stop(): Promise<void>;
}

export function startRampart(options?: StartRampartOptions): Promise<Rampart>;
export function rampartBinary(): string;
export const DEFAULT_REGION: string;
export default startRampart;
