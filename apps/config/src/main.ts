import { runService } from '@shop/platform';
import { configService } from '@shop/services/config';

await runService(configService);
