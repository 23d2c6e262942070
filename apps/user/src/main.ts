import { runService } from '@shop/platform';
import { userService } from '@shop/services/user';

await runService(userService);
