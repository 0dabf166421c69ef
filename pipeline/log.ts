/** Structured one-line JSON logs (CloudWatch and ECS both index JSON lines). */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines to stderr, tagged with the component name; `silent` drops everything (tests). */
export function createLog(component: string, options: { silent?: boolean } = {}): Log {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    if (options.silent) return;
    process.stderr.write(`${JSON.stringify({ level, component, message, ...fields, time: new Date().toISOString() })}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
