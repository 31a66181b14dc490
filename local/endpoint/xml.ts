/**
 * The few lines of XML the Query protocol's responses need: elements from SDK-shaped values, with lists
 * wrapped in `<member>` elements (the shape of every list the served Query operations return), timestamps as
 * ISO 8601 and blobs as base64.
 */
function xmlElement(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${xmlContent(value)}</${name}>`;
}

export function xmlContent(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => xmlElement('member', v)).join('');
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => xmlElement(k, v))
      .join('');
  }
  return escapeXml(String(value));
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
