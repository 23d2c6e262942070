import { runService } from '@shop/platform';
import { orderService } from '@shop/services/order';

await runService(orderService);
