import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@shop/auth';
import { createHash } from 'node:crypto';
import { DASHBOARD_HTML } from './dashboard.html.js';

const hash = (tag: 'script' | 'style') => {
  const text = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(DASHBOARD_HTML)![1]!;
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
};

/** Only this page's own script and style, and requests to this origin: the page cannot load anything from elsewhere. */
const CSP = `default-src 'none'; script-src ${hash('script')}; style-src ${hash('style')}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** The live dashboard at the root of the discovery app, like Eureka's. */
@Controller()
@Public()
export class DashboardController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CSP)
  @Header('cache-control', 'no-cache')
  @Header('x-content-type-options', 'nosniff')
  page(): string {
    return DASHBOARD_HTML;
  }
}
