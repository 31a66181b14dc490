/**
 * An error the local endpoint returns the way AWS does: the service's error code (ClientException,
 * InvalidParameterException, ClusterNotFoundException, ThrottlingException, …), a message, and an HTTP status.
 * Backends throw it; the protocol layer renders it in the service's wire format, so the SDK raises the same
 * named exception it would raise against AWS.
 */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  /** `Sender` for errors the caller can fix (4xx), `Receiver` for the service's own (5xx). */
  readonly fault: 'Sender' | 'Receiver';

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fault = status >= 500 ? 'Receiver' : 'Sender';
  }
}
