export * from './notification.service-definition.js';
export * from './notification.module.js';
export { renderMail, formatMoney, type OrderMailData, type RenderedMail } from './templates/templates.js';
