import { runService } from '@shop/platform';
import { notificationService } from '@shop/services/notification';

await runService(notificationService);
