import { Controller } from '@nestjs/common';
import type { ChangePassword, ListUsers, SetRoles, UpdateProfile, UserRef } from '@shop/contracts';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { UsersService } from './users.service.js';

@Controller()
export class UsersRpcController {
  constructor(private readonly users: UsersService) {}

  @RpcHandler('user.me')
  me(_: Record<string, never>, { actor }: RpcCall) {
    return this.users.me(actor);
  }

  @RpcHandler('user.updateMe')
  updateMe(cmd: UpdateProfile, { actor }: RpcCall) {
    return this.users.updateMe(actor, cmd);
  }

  @RpcHandler('user.changePassword')
  changePassword(cmd: ChangePassword, { actor }: RpcCall) {
    return this.users.changePassword(actor, cmd);
  }

  @RpcHandler('user.list')
  list(q: ListUsers, { actor }: RpcCall) {
    return this.users.list(actor, q);
  }

  @RpcHandler('user.setRoles')
  setRoles(cmd: SetRoles, { actor }: RpcCall) {
    return this.users.setRoles(actor, cmd.userId, cmd.roles);
  }

  @RpcHandler('user.disable')
  disable(cmd: UserRef, { actor }: RpcCall) {
    return this.users.setDisabled(actor, cmd.userId, true);
  }

  @RpcHandler('user.enable')
  enable(cmd: UserRef, { actor }: RpcCall) {
    return this.users.setDisabled(actor, cmd.userId, false);
  }
}
