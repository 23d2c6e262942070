import { Injectable } from '@nestjs/common';
import { requireRole } from '@shop/auth';
import { type Actor, type CategoryView, type CreateCategory, DomainError, ErrorCodes, type UpdateCategory, newId } from '@shop/contracts';
import { isDuplicateKeyError } from '@shop/database';
import { DataSource, type EntityManager } from 'typeorm';
import { Category } from './category.entity.js';
import { Product } from './product.entity.js';
import { slugify } from './products.service.js';

/** The admin-managed category tree, with active-product counts per subtree. */
@Injectable()
export class CategoriesService {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<CategoryView[]> {
    const categories = await this.dataSource.getRepository(Category).find({ order: { path: 'ASC' } });
    const counts: Array<{ category_id: string; n: number | string }> = await this.dataSource.query("SELECT category_id, COUNT(*) AS n FROM products WHERE status = 'ACTIVE' AND category_id IS NOT NULL GROUP BY category_id");
    const own = new Map(counts.map((c) => [c.category_id, Number(c.n)]));
    return categories.map((c) => ({
      id: c.id,
      slug: c.slug,
      name: c.name,
      parentId: c.parentId,
      // A category counts its own products and every descendant's.
      productCount: categories.filter((d) => d.path.startsWith(c.path)).reduce((n, d) => n + (own.get(d.id) ?? 0), 0),
    }));
  }

  async create(actor: Actor | undefined, cmd: CreateCategory, manager: EntityManager = this.dataSource.manager): Promise<CategoryView> {
    if (actor?.kind !== 'service') requireRole(actor, 'ADMIN');
    const name = typeof cmd.name === 'string' ? cmd.name.trim() : '';
    if (!name || name.length > 120) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'name must be 1 to 120 characters');
    const parent = cmd.parentId ? await this.load(manager, cmd.parentId) : null;
    const id = newId();
    const category = Object.assign(new Category(), { id, slug: slugify(cmd.slug ?? name), name, parentId: parent?.id ?? null, path: `${parent?.path ?? '/'}${id}/`, createdAt: new Date() });
    if (category.path.split('/').length > 10) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'categories nest at most 8 levels deep');
    try {
      await manager.insert(Category, category);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DomainError(ErrorCodes.CONFLICT, `the slug "${category.slug}" is taken`);
      throw err;
    }
    return { id, slug: category.slug, name, parentId: category.parentId, productCount: 0 };
  }

  /** Renames or moves a category (its whole subtree moves with it). */
  async update(actor: Actor | undefined, cmd: UpdateCategory): Promise<CategoryView> {
    requireRole(actor, 'ADMIN');
    await this.dataSource.transaction(async (manager) => {
      const category = await this.load(manager, cmd.categoryId);
      if (cmd.name !== undefined) {
        const name = typeof cmd.name === 'string' ? cmd.name.trim() : '';
        if (!name || name.length > 120) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'name must be 1 to 120 characters');
        await manager.update(Category, { id: category.id }, { name });
      }
      if (cmd.parentId !== undefined && cmd.parentId !== category.parentId) {
        const parent = cmd.parentId ? await this.load(manager, cmd.parentId) : null;
        if (parent?.path.startsWith(category.path)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'a category cannot move under itself');
        const newPath = `${parent?.path ?? '/'}${category.id}/`;
        const subtree = await manager.getRepository(Category).createQueryBuilder('c').where('c.path LIKE :p', { p: `${category.path}%` }).getMany();
        for (const c of subtree) await manager.update(Category, { id: c.id }, { path: newPath + c.path.slice(category.path.length) });
        await manager.update(Category, { id: category.id }, { parentId: parent?.id ?? null });
      }
    });
    return (await this.list()).find((c) => c.id === cmd.categoryId)!;
  }

  /** Only an empty leaf can go: no subcategories, no products. */
  async delete(actor: Actor | undefined, categoryId: string): Promise<{ deleted: boolean }> {
    requireRole(actor, 'ADMIN');
    return this.dataSource.transaction(async (manager) => {
      const category = await this.load(manager, categoryId);
      if ((await manager.existsBy(Category, { parentId: category.id })) || (await manager.existsBy(Product, { categoryId: category.id }))) {
        throw new DomainError(ErrorCodes.CATEGORY_NOT_EMPTY, 'the category still has subcategories or products');
      }
      await manager.delete(Category, { id: category.id });
      return { deleted: true };
    });
  }

  private async load(manager: EntityManager, id: string): Promise<Category> {
    const c = typeof id === 'string' ? await manager.findOneBy(Category, { id }) : null;
    if (!c) throw new DomainError(ErrorCodes.CATEGORY_NOT_FOUND, 'no such category');
    return c;
  }
}
