import { createRouter } from '../api/router.js';
import { deleteCustomerHandler, getCustomerHandler, putCustomerHandler } from './customers.handlers.js';
import { deleteCustomer, getCustomer, putCustomer } from './customers.routes.js';

export const customersRouter = createRouter()
  .openapi(putCustomer, putCustomerHandler)
  .openapi(getCustomer, getCustomerHandler)
  .openapi(deleteCustomer, deleteCustomerHandler);
