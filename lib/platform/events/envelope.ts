/** An event as EventBridge delivers it to a rule's targets (the envelope around a service's `detail`). */
export interface EventEnvelope<Detail = Record<string, unknown>> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Detail;
}
