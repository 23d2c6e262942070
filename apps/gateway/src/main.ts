import { runService } from '@shop/platform';
import { gatewayService } from '@shop/services/gateway';

await runService(gatewayService);
