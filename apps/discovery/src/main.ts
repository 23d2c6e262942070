import { runService } from '@shop/platform';
import { discoveryService } from '@shop/services/discovery';

await runService(discoveryService);
