/** One HTTP response as the protocols build it; the server only writes it out. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes for a body passed through as is (a Lambda function's result). */
  body: string | Uint8Array;
}
