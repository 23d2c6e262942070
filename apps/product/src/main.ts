import { runService } from '@shop/platform';
import { productService } from '@shop/services/product';

await runService(productService);
