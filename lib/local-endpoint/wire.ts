/** One HTTP response as the protocols build it; the server only writes it out. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
