import { runService } from '@shop/platform';
import { cartService } from '@shop/services/cart';

await runService(cartService);
