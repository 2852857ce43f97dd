import { createRouter } from '../api/router.js';
import { deleteCustomerHandler, getCustomerHandler, putCustomerHandler } from './customers.handlers.js';
import { deleteCustomer, getCustomer, putCustomer } from './customers.routes.js';
import { customerTimelineHandler, customerUpgradesHandler, listCustomersHandler } from './crm.handlers.js';
import { customerTimeline, customerUpgrades, listCustomers } from './crm.routes.js';

export const customersRouter = createRouter()
  .openapi(putCustomer, putCustomerHandler)
  .openapi(getCustomer, getCustomerHandler)
  .openapi(deleteCustomer, deleteCustomerHandler)
  .openapi(listCustomers, listCustomersHandler)
  .openapi(customerUpgrades, customerUpgradesHandler)
  .openapi(customerTimeline, customerTimelineHandler);
