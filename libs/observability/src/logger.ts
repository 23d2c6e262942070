import type { LogLevel, LoggerService } from '@nestjs/common';
import { type DestinationStream, type Logger, type LevelWithSilent, pino } from 'pino';
import { redact, redactText } from './redact.js';
import { activeTraceIds, instanceId } from './tracing.js';

/** Nest's level names (LOG_LEVEL, `log.level`) to pino's. */
const PINO_LEVEL: Record<LogLevel, LevelWithSilent> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };
const NEST_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The lowest Nest level logged for a LOG_LEVEL value (`log` when unset or unknown). */
export function pinoLevelOf(level: string | undefined): LevelWithSilent {
  return PINO_LEVEL[(NEST_LEVELS as string[]).includes(level ?? '') ? (level as LogLevel) : 'log'];
}

export interface JsonLoggerOptions {
  service: string;
  /** A Nest level name: fatal, error, warn, log, debug, verbose. */
  level?: string;
  /** Where lines go: stdout by default. */
  destination?: DestinationStream;
  /** The correlation id (and the like) of the work being done now, added to every line. */
  context?: () => Record<string, unknown> | undefined;
}

/**
 * Nest's LoggerService over pino: one JSON line per entry with `service`,
 * `instance`, `level`, the current correlation id and trace/span ids, the
 * Nest context and the message. Secret fields are redacted at any depth and
 * bearer tokens blanked in text, so no password, token, secret or password
 * hash reaches the log.
 */
export class JsonLogger implements LoggerService {
  readonly pino: Logger;

  constructor(options: JsonLoggerOptions) {
    const context = options.context;
    this.pino = pino(
      {
        level: pinoLevelOf(options.level),
        base: { instance: instanceId() },
        messageKey: 'msg',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        // The context may name another service: in the all-in-one process, Nest's
        // static loggers write through one app's logger for every service.
        mixin: () => ({ service: options.service, ...context?.(), ...activeTraceIds() }),
      },
      options.destination ?? pino.destination({ dest: 1, sync: true }),
    );
  }

  /** Applies a level list as Nest passes it (`setLogLevels(['error', 'warn', 'log'])`): its lowest level counts. */
  setLogLevels(levels: LogLevel[]): void {
    const lowest = NEST_LEVELS.filter((l) => levels.includes(l)).pop();
    this.pino.level = lowest ? PINO_LEVEL[lowest] : 'silent';
  }

  /** Sets the level by its Nest name (LOG_LEVEL, the live `log.level`). */
  setLevel(level: string | undefined): void {
    this.pino.level = pinoLevelOf(level);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(PINO_LEVEL[level]);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Exclude<LevelWithSilent, 'silent'>, message: unknown, params: unknown[], maybeStack = false): void {
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest appends the context (the logger's name) as the last string parameter; error() may put a stack before it.
    const rest = [...params];
    const context = rest.length && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    let msg: string | undefined;
    if (typeof message === 'string') msg = message;
    else if (message instanceof Error) {
      msg = message.message;
      fields['err'] = message;
    } else if (message && typeof message === 'object') {
      const { msg: m, message: m2, ...other } = message as Record<string, unknown>;
      msg = typeof m === 'string' ? m : typeof m2 === 'string' ? m2 : undefined;
      Object.assign(fields, other);
    } else if (message !== undefined) msg = String(message);
    if (rest.length) {
      if (maybeStack && rest.length === 1 && typeof rest[0] === 'string') fields['stack'] = rest[0];
      else if (rest.length === 1 && typeof rest[0] === 'object') Object.assign(fields, rest[0]);
      else fields['params'] = rest;
    }
    this.pino[level](redact(fields) as Record<string, unknown>, msg === undefined ? undefined : redactText(msg));
  }
}
