import { messagesFor, type ReportLang } from './i18n';

/** The zone the host's clock shows: a report is read where it was written, in the student's own time. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * A scan's date as a person reads it, in `timeZone` (the host's own when not given) with its offset
 * spelled out so that a report read elsewhere stays unambiguous: "5 December 2026, 10:26 UTC+01:00",
 * "2026年12月5日 10:26（UTC+08:00）". An unparsable date is given back as it came.
 */
export function formatReportDate(iso: string, lang: ReportLang, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  // The month's number, in the same zone: the name alone does not give it.
  const month = Number(new Intl.DateTimeFormat('en-US', { timeZone, month: 'numeric' }).format(date));
  // longOffset is "GMT+01:00", or a bare "GMT" for a zero offset.
  const offset = `UTC${part('timeZoneName').replace(/^GMT/, '') || '+00:00'}`;
  return messagesFor(lang).writtenDate({
    year: part('year'),
    month,
    monthName: part('month'),
    day: part('day'),
    time: `${part('hour')}:${part('minute')}`,
    offset,
  });
}
